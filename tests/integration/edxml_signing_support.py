"""Helpers for edXML signature tests: signed packages, re-signing a tampered
``SignedInfo`` with the dev key (so only the structure is wrong), legacy SHA-1 packages
made by signxml (a signer that is not docflow's), and the XML-DSig namespaces."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from lxml import etree
from signxml import XMLSigner
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from docflow.exchange.edxml import NAMESPACE, async_sign_package, build_package
from tests.edxml_support import document_package, seal_source
from tests.pki import chain_pems, signer_pem

DS = "http://www.w3.org/2000/09/xmldsig#"
NS = {"e": NAMESPACE, "ds": DS}
_PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)


def signed_document(label: str = "stttt-seal") -> bytes:
    """A document package signed with a seal key of the dev PKI."""
    return asyncio.run(async_sign_package(document_package(), seal_source(label)))


def tree_of(data: bytes) -> Any:
    return etree.fromstring(data, _PARSER)


def bytes_of(root: Any) -> bytes:
    data: bytes = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    return data


def private_key(label: str) -> Any:
    key_pem, _ = signer_pem(label)
    return serialization.load_pem_private_key(key_pem, None)


def resign(data: bytes, label: str, change: Callable[[Any], None]) -> bytes:
    """Apply ``change`` to the signed package, then sign its ``SignedInfo`` again with
    the dev key: the signature value is right, only what it says is wrong."""
    root = tree_of(data)
    change(root)
    signed_info = root.find(".//ds:Signature/ds:SignedInfo", NS)
    canonical = etree.tostring(signed_info, method="c14n", exclusive=True)
    key = private_key(label)
    if isinstance(key, rsa.RSAPrivateKey):
        value = key.sign(canonical, padding.PKCS1v15(), hashes.SHA256())
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        r, s = decode_dss_signature(key.sign(canonical, ec.ECDSA(hashes.SHA256())))
        value = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    root.find(".//ds:Signature/ds:SignatureValue", NS).text = base64.b64encode(value).decode()
    return bytes_of(root)


class _LegacySigner(XMLSigner):
    """signxml with SHA-1 allowed: packages as older systems on the axis sign them."""

    def check_deprecated_methods(self) -> None:
        return None


def signxml_signed(label: str, *, sha1: bool) -> bytes:
    """A package signed by signxml (placeholder in ``edXMLHeader``), RSA-SHA1/SHA-1 or
    RSA-SHA256/SHA-256."""
    root = tree_of(build_package(document_package()))
    header = root.find(".//e:edXMLHeader", NS)
    etree.SubElement(header, f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    key_pem, cert_pem = signer_pem(label)
    signer_class = _LegacySigner if sha1 else XMLSigner
    signer = signer_class(
        signature_algorithm=SignatureMethod.RSA_SHA1 if sha1 else SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA1 if sha1 else DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    certs = [cert_pem.decode(), *(c.decode() for c in chain_pems(label))]
    signed = signer.sign(root, key=key_pem, cert=certs)
    return bytes_of(signed)
