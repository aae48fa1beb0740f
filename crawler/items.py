"""What the spider hands to the pipelines: one fetched document worth keeping.

A detail page whose report is an attachment is kept too (its metadata and the link that led to
the file), but only the document that holds the report (`is_report`) goes through the extractor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FetchedDocument:
    """One capture: a detail page or an attachment, with what the portal said about it."""

    portal: str
    url: str  # the final URL (after redirects): the report's identity in the archive
    request_url: str  # the link that was followed (Hanweb: downfile.jsp)
    page_url: str  # the detail page this document belongs to
    role: str  # page | attachment
    is_report: bool
    body: bytes
    http_status: int
    content_type: str | None
    encoding: str | None
    etag: str | None
    last_modified: str | None
    file_name: str | None = None  # an attachment's name as the link text gives it
    title: str | None = None
    agency: str | None = None
    pub_date: str | None = None
    image_only: bool = False
    metadata: dict[str, Any] = field(default_factory=dict)
    # a report page's body pictures by URL, fetched with it when its tables may be images
    # (`PortalsSpider.parse_detail`): the extractor OCRs them, the archive keeps them as captures
    pictures: dict[str, bytes] = field(default_factory=dict)

    @property
    def read_name(self) -> str:
        """The name the extractor reads the bytes under (it sniffs formats by suffix too): the
        link's file name when it has a suffix, else the URL's last segment."""
        return self.file_name if self.file_name and "." in self.file_name else self.url.rsplit("/", 1)[-1]

    def hints(self, portal: Any) -> Any:
        """What the crawl knows of this report beyond its bytes (`archive.write.Hints`): the list's
        title and date, the region of the portal (a `crawler.registry.Portal`) it came from, and
        who the page says published it (ContentSource / 来源 / 发布机构) on which site (SiteName),
        which the archive reads for the report's region (the agency's, not the portal's)."""
        from archive.write import Hints

        return Hints(title=self.title, pub_date=self.pub_date, province=portal.province, city=portal.city,
                     district=portal.district, source=self.agency, site_name=self.metadata.get("SiteName"))
