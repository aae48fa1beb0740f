#!/usr/bin/env bash
# System packages the code and its tests need, from Debian's archive:
#   libreoffice-writer-nogui  converts DOC and WPS reports (extract/readers/convert.py)
#   libreoffice-calc-nogui    converts XLS and ET workbooks to XLSX (extract/readers/spreadsheet.py)
#   fonts-wqy-zenhei          CJK glyphs, so LibreOffice renders Chinese into test PDFs, and the one
#                             directory PDFium takes substitutes for unembedded CJK fonts from
#                             (extract/readers/pdffonts.py, NIANBAO_PDF_FONTS)
#   chromium                  headless browser for tests/test_browser.py (driven by Playwright)
#   redis-server              distributed crawling (crawler/distributed); tests/test_distributed.py starts its own
# Idempotent: packages already present are not fetched again.  Needs root (or sudo).
set -euo pipefail

PACKAGES=(libreoffice-writer-nogui libreoffice-calc-nogui fonts-wqy-zenhei chromium redis-server)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: all present (${PACKAGES[*]})"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-system: need root to install: ${missing[*]}" >&2; exit 1
  fi
fi
echo "system packages: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "system packages: done"
