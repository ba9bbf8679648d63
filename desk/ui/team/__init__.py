"""The team desk in the window: the team panel, background sync and sign-off."""
