"""The map a reviewer sees: a folium/Leaflet page built from a case, with its data as JSON.

Pure Python (no Qt): the same page can be written for the window's map view or for a dossier.
"""
