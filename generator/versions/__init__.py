"""The product's versions (product.yml `versions:`): which versions exist, which is current, where each one's
sources are in git, and which versions a page applies to (front matter `versions:`).

`model` is what product.yml says; `spec` is the small language of `versions: ">=2026.2"`. Building an older
version's help centre from its git ref, and the releases that ship fixes, build on these two."""

from .model import ProductVersion, VersionStatus, version_key
from .spec import VersionSpec, parse_spec

__all__ = ["ProductVersion", "VersionSpec", "VersionStatus", "parse_spec", "version_key"]
