"""Qt screens: the main window, its tabs, the generic SQL-backed table model, formatting.

Only this package imports Qt; it calls services and db, never the other way round.
"""
