"""The window shell: the application, the main window, the welcome page, settings."""
