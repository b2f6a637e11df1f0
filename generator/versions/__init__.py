"""The product's versions (product.yml `versions:`): which versions exist, which is current, where each one's
sources are in git, and which versions a page applies to (front matter `versions:`).

`model` is what product.yml says; `spec` is the small language of `versions: ">=2026.2"`. The versioned help
centre builds on them: `gitref` reads a version's sources from its git ref, `builds` runs `kb build --version`,
`--all-versions` and a client's build on its version, `publish` puts older versions under the site's v/ with
what the switcher needs (versions.json, each version's kb-pages.json)."""

from .model import ProductVersion, VersionStatus, version_key
from .spec import VersionSpec, parse_spec

__all__ = ["ProductVersion", "VersionSpec", "VersionStatus", "parse_spec", "version_key"]
