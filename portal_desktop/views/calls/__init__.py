"""The Sales-calls screens: the tab, the record-outcome and schedule-call dialogs, and the
close-deal wizard (also opened from the Pipeline)."""
