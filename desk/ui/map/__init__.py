"""The map: Qt WebEngine view, its bridge, the map panel and offscreen snapshots."""
