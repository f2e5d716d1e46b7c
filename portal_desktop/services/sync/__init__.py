"""Offline replica and sync (issue 15): see docs/sync.md."""
