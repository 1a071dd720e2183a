"""Uploaded files stored under names that carry a hash of their content.

``catalog/products/coat.jpg`` is saved as ``catalog/products/coat-3f2a9c0d1b7e4a65.jpg``: a
changed image is a new name, so browsers and proxies may keep a media file for a year
(``o2o.views.media``) and a re-upload of the same bytes reuses the stored file.
"""

import hashlib
import re
from pathlib import PurePosixPath

from django.core.files import File
from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

HASH_LENGTH = 16
# A name this storage produced: the stem ends in "-" and 16 hex digits.
HASHED_NAME = re.compile(rf"-[0-9a-f]{{{HASH_LENGTH}}}\.[A-Za-z0-9]+$")


def content_hash(content) -> str:
    digest = hashlib.sha256()
    if hasattr(content, "seek"):
        content.seek(0)
    for chunk in content.chunks():
        digest.update(chunk)
    if hasattr(content, "seek"):
        content.seek(0)
    return digest.hexdigest()[:HASH_LENGTH]


def name_is_content_addressed(name: str) -> bool:
    return bool(HASHED_NAME.search(name))


class ContentAddressedStorage(FileSystemStorage):
    def save(self, name, content, max_length=None):
        if name is None:
            name = content.name
        if not hasattr(content, "chunks"):
            content = File(content, name)
        path = PurePosixPath(name)
        stem = path.stem
        if name_is_content_addressed(path.name):
            stem = stem[: -(HASH_LENGTH + 1)]
        hashed = str(path.with_name(f"{stem[:40]}-{content_hash(content)}{path.suffix.lower()}"))
        if self.exists(hashed):
            return hashed
        return super().save(hashed, content, max_length=max_length)


class HashedStaticStorage(CompressedManifestStaticFilesStorage):
    """Static files under content-hashed names (WhiteNoise serves them for a year), without
    rewriting source-map comments: the vendored minified files name maps we do not ship."""

    patterns = tuple(
        (extension, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for extension, rules in CompressedManifestStaticFilesStorage.patterns
    )
