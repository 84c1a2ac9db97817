"""Dossier fixtures (a catalogue, `new_dossier`) shared with tests/dossiers."""

from tests.dossiers.conftest import catalogue, new_dossier  # noqa: F401
