"""The one way WeChat's XML is read: server messages (/wechat/callback) and payment notifications
(/wechat/pay/notify) both go through `wechat_xml_parse` before anything else looks at them.

WeChat sends small flat documents, `<xml><Name>value</Name>...</xml>`, never a DOCTYPE. A DOCTYPE
is where entity tricks live (billion laughs, external entities), so any DOCTYPE is refused before
its first declaration is read, and entity declarations are refused as well (xmltodict's
`disable_entities`), so nothing is ever expanded or fetched.
"""

from __future__ import annotations

from xml.parsers import expat

import xmltodict

# WeChat posts documents of a few hundred bytes; anything this large is not WeChat.
MAX_XML_BYTES = 64 * 1024


class WeChatXmlRejected(ValueError):
    """The body is not a WeChat XML document (or is one we refuse to read)."""


def _refuse_doctype(*_args):
    raise WeChatXmlRejected("DOCTYPE is not allowed")


class _ExpatWithoutDoctype:
    """The expat module as xmltodict uses it, with parsers that stop at a DOCTYPE."""

    @staticmethod
    def ParserCreate(*args, **kwargs):  # noqa: N802 — expat's own name
        parser = expat.ParserCreate(*args, **kwargs)
        parser.StartDoctypeDeclHandler = _refuse_doctype
        return parser


def wechat_xml_parse(body: bytes | str, *, max_bytes: int = MAX_XML_BYTES) -> dict:
    """The children of WeChat's `<xml>` root as a dict (text values are str, empty ones None).

    Raises WeChatXmlRejected for anything else: too large, not well-formed, a DOCTYPE or an entity
    declaration, another root element, or a root without child elements (`<xml/>`,
    `<xml>hi</xml>`).
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if len(body) > max_bytes:
        raise WeChatXmlRejected(f"larger than {max_bytes} bytes")
    if not body.strip():
        raise WeChatXmlRejected("empty body")
    try:
        document = xmltodict.parse(body, expat=_ExpatWithoutDoctype, disable_entities=True)
    except WeChatXmlRejected:
        raise
    except (expat.ExpatError, ValueError, LookupError) as error:
        # ValueError: xmltodict's "entities are disabled"; LookupError: an unknown encoding.
        raise WeChatXmlRejected(f"not well-formed XML: {error}") from error
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict) or not root:
        raise WeChatXmlRejected("not a WeChat <xml> message")
    return root
