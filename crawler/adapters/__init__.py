"""Platform adapters: how each portal family lists its reports and paginates.

`adapter_for(platform, response)` returns the adapter a registry entry names, or, for `auto`,
the first whose fingerprint the page carries — gkmlpt (its `_CONFIG`), Hanweb (`<datastore>`,
`dataproxy.jsp`, `/col/col…/`), TRS (`createPageHTML`, `TRS_Editor`, `t20260120_…` links) — and
the generic adapter otherwise.  Adapters are written for the families, not for any one site.
"""

from __future__ import annotations

from scrapy.http import Response

from .base import Adapter, Entry, Listing
from .gkmlpt import GkmlptAdapter
from .hanweb import HanwebAdapter
from .trs import TrsAdapter

ADAPTERS: dict[str, Adapter] = {a.name: a for a in (GkmlptAdapter(), HanwebAdapter(), TrsAdapter(), Adapter())}
DETECTION_ORDER = ("gkmlpt", "hanweb", "trs")


def detect(response: Response) -> str:
    for name in DETECTION_ORDER:
        if type(ADAPTERS[name]).matches(response):
            return name
    return "generic"


def adapter_for(platform: str, response: Response) -> Adapter:
    if platform and platform != "auto":
        return ADAPTERS[platform]
    return ADAPTERS[detect(response)]


__all__ = ["ADAPTERS", "Adapter", "Entry", "Listing", "adapter_for", "detect"]
