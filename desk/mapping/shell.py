"""The map page's shell: folium's HTML for an empty Leaflet map, rendered ahead of time.

folium (with numpy under it) is a development tool, not a run-time dependency: it renders the
shell once, the shell is committed as resources/map/page_shell.html, and at run time
desk.mapping.page fills in the scene. The shell holds what is the same for every scene: Leaflet
and desk's script and style, Qt's web-channel script (removed for pages without the bridge),
the map element under a fixed name, the place for the data and the call that hands the map to
desk_map.js. The initial view travels in the data, so the shell has no per-scene input.

After changing this module or upgrading folium, regenerate the shell and commit it:

    python -m desk.mapping.shell

tests/mapping/test_shell.py fails while the committed file differs from what folium renders.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from desk import bundled

SHELL_NAME = "page_shell.html"
QWEBCHANNEL_JS = "qrc:///qtwebchannel/qwebchannel.js"
#: Where the page's JSON goes; it never passes through folium (see build_shell).
DATA_MARKER = "__DESK_MAP_DATA__"
#: folium names the map variable and element "map_<id>"; a fixed id keeps the shell stable.
MAP_ID = "desk"
MAP_NAME = f"map_{MAP_ID}"


def shell_path() -> Path:
    """The committed shell: resources/map in a checkout, inside the bundle when frozen."""
    return bundled.resources_dir("map", SHELL_NAME)


def read_shell() -> str:
    return shell_path().read_text(encoding="utf-8")


def build_shell() -> str:
    """folium's page for desk's map, the same bytes on every run with the same folium."""
    # Imported by name so PyInstaller, which collects every desk module, does not follow
    # them into the field installer (numpy alone is 41 MB there); build_installer.py also
    # excludes them, as its scan sees the imports that give mypy their types.
    if TYPE_CHECKING:
        import folium
        from branca import element
    else:
        folium = importlib.import_module("folium")
        element = importlib.import_module("branca.element")
    from jinja2 import Template

    class Start(element.MacroElement):
        """Hands the folium map object to desk's script once folium has created it."""

        _template = Template(
            "{% macro script(this, kwargs) %}"
            "deskMap.start({{ this._parent.get_name() }}, document.getElementById('desk-data'));"
            "{% endmacro %}"
        )

    # No location: folium puts a placeholder view ([0, 0], zoom 1) in the shell, and
    # deskMap.start sets the scene's view from the data before drawing anything.
    fmap = folium.Map(tiles=None, prefer_canvas=True, control_scale=False, max_zoom=20,
                      world_copy_jump=True, fade_animation=False)
    fmap._id = MAP_ID
    # Per instance, so no other folium map in the process loses its defaults.
    fmap.default_js = [("qwebchannel", QWEBCHANNEL_JS), ("leaflet", "leaflet.js"),
                       ("desk_map", "desk_map.js")]
    fmap.default_css = [("leaflet_css", "leaflet.css"), ("desk_map_css", "desk_map.css")]
    # The data is spliced into the finished page in place of a constant marker: branca
    # compiles rendered macro output as a Jinja template again, so "{{ ... }}" in a file
    # name would run as a template if it went through folium.
    page = fmap.get_root()
    if not isinstance(page, element.Figure):
        raise RuntimeError("folium's page changed: the map is not on a page of its own")
    page.header.add_child(element.Element(
        f'<script type="application/json" id="desk-data">{DATA_MARKER}</script>'),
        name="desk_data")
    # branca's MacroElement.__init__ has no annotations (mypy's untyped_calls_exclude does not
    # reach a subclass's constructor).
    fmap.add_child(Start(), name="desk_start")  # type: ignore[no-untyped-call]
    html = page.render()
    if html.count(DATA_MARKER) != 1 or f"deskMap.start({MAP_NAME}," not in html:
        raise RuntimeError("folium's page changed: no single place for the data or the map")
    return html


def write_shell(target: Path | None = None) -> Path:
    target = target or shell_path()
    target.write_text(build_shell(), encoding="utf-8", newline="\n")
    return target


if __name__ == "__main__":
    print(write_shell())
