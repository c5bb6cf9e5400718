"""The bundled demonstration logs (observation log format v1), read as package data."""
