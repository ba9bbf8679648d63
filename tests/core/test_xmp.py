"""XMP: packets found in every format desk takes, read for dates, places, camera and editing
history, and hostile packets refused with a notice that says why, never a crash or a hang."""

from __future__ import annotations

import io
import struct

from PIL import Image, PngImagePlugin

from desk.core.isolation import ParserLane
from desk.core.parse import parse_image
from desk.core.xmp import MAX_PACKET_BYTES, read_xmp
from tests.core import imaging


def packet(description: str = "", body: str = "") -> bytes:
    """An XMP packet as Adobe software writes it: attributes on rdf:Description, elements in
    it for structured values."""
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
    xmlns:stEvt="http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
    xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"
    xmlns:exif="http://ns.adobe.com/exif/1.0/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    {description}>
   {body}
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def jpeg_with_xmp(xmp: bytes, exif: dict[int | str, object] | None = None,
                  gps: dict[int | str, object] | None = None) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 80, "xmp": xmp}
    if exif is not None or gps is not None:
        options["exif"] = imaging.make_exif(exif, gps).tobytes()
    imaging.picture(64, 48).save(out, "JPEG", **options)
    return out.getvalue()


def png_with_xmp(xmp: bytes) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp.decode("utf-8"), zip=False)
    out = io.BytesIO()
    imaging.picture(64, 48).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def tiff_with_xmp(xmp: bytes) -> bytes:
    out = io.BytesIO()
    imaging.picture(64, 48).save(out, "TIFF", tiffinfo={700: xmp})
    return out.getvalue()


def webp_with_xmp(xmp: bytes) -> bytes:
    out = io.BytesIO()
    imaging.picture(64, 48).save(out, "WEBP", xmp=xmp)
    return out.getvalue()


CREATED = packet('xmp:CreateDate="2021-11-30T19:02:10-05:00" xmp:ModifyDate="2022-01-04T10:00:00'
                 '-05:00" xmp:CreatorTool="Adobe Photoshop 25.0 (Windows)"',
                 """<xmpMM:History><rdf:Seq>
                      <rdf:li stEvt:action="created" stEvt:when="2021-11-30T19:02:10-05:00"/>
                      <rdf:li rdf:parseType="Resource">
                        <stEvt:action>saved</stEvt:action>
                        <stEvt:softwareAgent>Adobe Photoshop 25.0 (Windows)</stEvt:softwareAgent>
                        <stEvt:when>2022-01-04T10:00:00-05:00</stEvt:when>
                      </rdf:li>
                    </rdf:Seq></xmpMM:History>""")


def _codes(data: bytes) -> list[str]:
    return [f.code for f in parse_image(data).metadata.flags]


# --- reading -------------------------------------------------------------------------------------


def test_the_capture_time_in_xmp_is_found_in_every_format_with_its_source() -> None:
    for make in (jpeg_with_xmp, png_with_xmp, tiff_with_xmp, webp_with_xmp):
        metadata = parse_image(make(CREATED)).metadata
        assert metadata.captured_at == "2021-11-30T19:02:10-05:00", make.__name__
        assert metadata.captured_at_source == "XMP CreateDate"
        assert metadata.utc_offset == "-05:00"
        assert (metadata.saved_at, metadata.saved_at_source) == ("2022-01-04T10:00:00-05:00",
                                                                 "XMP ModifyDate")
        assert metadata.software == "Adobe Photoshop 25.0 (Windows)"
        assert metadata.sources_read


def test_element_form_and_attribute_form_read_alike() -> None:
    as_elements = packet(body="<photoshop:DateCreated>2020-06-01T08:30:00</photoshop:DateCreated>"
                              "<tiff:Make>Canon</tiff:Make><tiff:Model>EOS R6</tiff:Model>")
    as_attributes = packet('photoshop:DateCreated="2020-06-01T08:30:00" tiff:Make="Canon"'
                           ' tiff:Model="EOS R6"')
    for xmp in (as_elements, as_attributes):
        metadata = parse_image(jpeg_with_xmp(xmp)).metadata
        assert metadata.captured_at == "2020-06-01T08:30:00"
        assert metadata.captured_at_source == "XMP photoshop:DateCreated"
        assert (metadata.make, metadata.model) == ("Canon", "EOS R6")
        sources = {r.field: r.source for r in metadata.readings if r.used}
        assert sources["make"] == "XMP tiff:Make"


def test_editing_history_is_a_flag_naming_software_and_time() -> None:
    metadata = parse_image(jpeg_with_xmp(CREATED)).metadata
    flags = {f.code: f.message for f in metadata.flags}
    assert flags["edit_history"] == (
        "XMP editing history records 1 step: saved by Adobe Photoshop 25.0 (Windows) at"
        " 2022-01-04T10:00:00-05:00.")
    assert "edited_software" in flags
    steps = [r.value for r in metadata.readings if r.field == "edit"]
    assert steps == ["created at 2021-11-30T19:02:10-05:00",
                     "saved by Adobe Photoshop 25.0 (Windows) at 2022-01-04T10:00:00-05:00"]


def test_xmp_gps_is_used_when_exif_has_none_and_compared_when_it_has() -> None:
    xmp = packet('exif:GPSLatitude="51,30.44217N" exif:GPSLongitude="0,7.66433W"')
    alone = parse_image(jpeg_with_xmp(xmp)).metadata
    assert alone.gps is not None
    assert round(alone.gps.lat, 5) == round(imaging.LONDON_LAT_DEG, 5)
    assert round(alone.gps.lon, 5) == round(imaging.LONDON_LON_DEG, 5)
    assert "no_gps" not in [f.code for f in alone.flags]
    assert [r.source for r in alone.readings if r.field == "gps"] == [
        "XMP exif:GPSLatitude/GPSLongitude"]

    paris = packet('exif:GPSLatitude="48,51,24N" exif:GPSLongitude="2,21,8E"')
    gps = {"GPSLatitudeRef": "N", "GPSLatitude": imaging.dms(imaging.LONDON_LAT),
           "GPSLongitudeRef": "W", "GPSLongitude": imaging.dms(imaging.LONDON_LON)}
    both = parse_image(jpeg_with_xmp(paris, gps=gps)).metadata
    assert both.gps is not None and round(both.gps.lat, 3) == 51.507  # EXIF's, not XMP's
    message = {f.code: f.message for f in both.flags}["gps_sources_disagree"]
    assert message.startswith("GPS sources disagree: EXIF GPS says 51.50737, -0.12774,"
                              " XMP exif:GPSLatitude/GPSLongitude says 48.85667, 2.35222 (")
    assert "km apart" in message


def test_agreeing_gps_sources_raise_nothing() -> None:
    xmp = packet('exif:GPSLatitude="51,30.44217N" exif:GPSLongitude="0,7.66433W"')
    gps = {"GPSLatitudeRef": "N", "GPSLatitude": imaging.dms(imaging.LONDON_LAT),
           "GPSLongitudeRef": "W", "GPSLongitude": imaging.dms(imaging.LONDON_LON)}
    assert "gps_sources_disagree" not in _codes(jpeg_with_xmp(xmp, gps=gps))


def test_an_xmp_position_out_of_range_is_flagged_not_used() -> None:
    metadata = parse_image(jpeg_with_xmp(packet('exif:GPSLatitude="95,0N"'
                                                ' exif:GPSLongitude="10,0E"'))).metadata
    assert metadata.gps is None
    assert "invalid_gps" in [f.code for f in metadata.flags]


# --- hostile packets -----------------------------------------------------------------------------


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
  xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
  xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="&lol9;"/></rdf:RDF></x:xmpmeta>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF
  xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description
  xmlns:xmp="http://ns.adobe.com/xap/1.0/"><xmp:CreatorTool>&secret;</xmp:CreatorTool>
  </rdf:Description></rdf:RDF></x:xmpmeta>"""


def test_billion_laughs_is_refused_with_a_notice() -> None:
    metadata = parse_image(png_with_xmp(BILLION_LAUGHS)).metadata
    flag = next(f for f in metadata.flags if f.code == "xmp_refused")
    assert "document type" in flag.message
    assert metadata.software is None


def test_an_external_entity_is_never_fetched() -> None:
    xmp = read_xmp(EXTERNAL_ENTITY)
    assert [f.code for f in xmp.flags] == ["xmp_refused"]
    assert "root:" not in repr(xmp)
    # Without a DTD, a reference to an undeclared entity is simply malformed XML.
    undeclared = read_xmp(packet(body="<xmp:CreatorTool>&secret;</xmp:CreatorTool>"))
    assert [f.code for f in undeclared.flags] == ["xmp_malformed"]


def test_deep_nesting_is_refused() -> None:
    deep = b"<a>" * 10_000 + b"</a>" * 10_000
    assert [f.code for f in read_xmp(deep).flags] == ["xmp_refused"]
    assert "deep" in read_xmp(deep).flags[0].message


def test_a_50_mb_packet_is_skipped_by_the_isolated_parser_with_a_notice() -> None:
    big = packet(body="<xmp:Label>" + "x" * (50 * 1024 * 1024) + "</xmp:Label>")
    assert len(big) > MAX_PACKET_BYTES
    lane = ParserLane()
    try:
        outcome = lane.parse(png_with_xmp(big))
    finally:
        lane.close()
    assert outcome.parsed is not None, outcome.reason  # imported, not timed out or crashed
    flags = {f.code: f.message for f in outcome.parsed.metadata.flags}
    assert flags["xmp_too_large"] == ("XMP packet of 50.0 MB is over desk's 2.0 MB limit and"
                                      " was not read.")


def test_a_broken_packet_keeps_what_came_before_the_break() -> None:
    broken = packet('xmp:CreateDate="2020-01-02T03:04:05"')[:-60]
    metadata = parse_image(jpeg_with_xmp(broken)).metadata
    assert metadata.captured_at == "2020-01-02T03:04:05"
    assert "xmp_malformed" in [f.code for f in metadata.flags]


def test_extended_xmp_segments_are_skipped_with_a_notice() -> None:
    jpeg = jpeg_with_xmp(CREATED)
    chunk = b"http://ns.adobe.com/xmp/extension/\x00" + b"0" * 32 + struct.pack(">II", 5, 0)
    segment = b"\xff\xe1" + struct.pack(">H", len(chunk) + 7) + chunk + b"hello"
    metadata = parse_image(jpeg[:2] + segment + jpeg[2:]).metadata
    assert metadata.captured_at_source == "XMP CreateDate"  # the main packet is still read
    assert "xmp_extended_skipped" in [f.code for f in metadata.flags]


def test_an_image_without_xmp_has_no_xmp_notice() -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    assert _codes(out.getvalue()) == ["no_metadata"]
