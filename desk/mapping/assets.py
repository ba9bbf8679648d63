"""Where the map's own files come from: Leaflet from the xstatic-leaflet package, desk's glue
from resources/map. Nothing is fetched from a CDN, so the map works on an offline laptop."""

from __future__ import annotations

import shutil
from pathlib import Path

from desk import bundled

#: Files a page folder holds besides index.html (relative names the page refers to).
LEAFLET_FILES = ("leaflet.js", "leaflet.css")
DESK_FILES = ("desk_map.js", "desk_map.css")


def leaflet_dir() -> Path:
    from xstatic.pkg import leaflet

    return Path(leaflet.BASE_DIR)


def resources_dir() -> Path:
    """resources/map beside the desk package (or inside a frozen build)."""
    return bundled.resources_dir("map")


def copy_assets(folder: Path) -> None:
    """Put Leaflet and desk's script and style beside the page that loads them."""
    folder.mkdir(parents=True, exist_ok=True)
    source = leaflet_dir()
    for name in LEAFLET_FILES:
        shutil.copyfile(source / name, folder / name)
    images = source / "images"
    if images.is_dir():
        shutil.copytree(images, folder / "images", dirs_exist_ok=True)
    for name in DESK_FILES:
        shutil.copyfile(resources_dir() / name, folder / name)
