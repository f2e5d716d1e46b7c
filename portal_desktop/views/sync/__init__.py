"""What a person sees of the offline replica: status bar, Sync now, conflicts, first snapshot."""
