from __future__ import annotations

import io

from PIL import Image

from desk.dossier.images import downscale
from tests.core.imaging import apple_heic


def test_a_heic_original_is_embedded_as_an_upright_jpeg() -> None:
    still = downscale(apple_heic(), "heic")
    with Image.open(io.BytesIO(still)) as image:
        assert (image.format, image.size) == ("JPEG", (160, 120))
