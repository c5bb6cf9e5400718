"""Observer errors. ``str()`` is one line for the user saying what to do.

ShimError
 +-- BackendUnavailable   no way to observe this desktop (no display, Wayland, other OS)
 +-- ObserverCrashed      the desktop went away while observing (X server died)
"""


class ShimError(Exception):
    pass


class BackendUnavailable(ShimError):
    pass


class ObserverCrashed(ShimError):
    pass
