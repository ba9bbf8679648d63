"""The map a reviewer sees: a Leaflet page built from a case, with its data as JSON.

folium renders the page's shell ahead of time (resources/map/page_shell.html, kept in step by
a test; `python -m desk.mapping.shell` regenerates it); at run time desk fills in the scene.

Pure Python (no Qt): the same page can be written for the window's map view or for a dossier.
"""
