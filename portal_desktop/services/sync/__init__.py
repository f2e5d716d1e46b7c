"""Offline replica and sync (issue 15): docs/sync.md tells how the pieces fit."""
