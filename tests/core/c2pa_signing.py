"""Content credentials made in the test: a self-made certificate chain and c2pa-python's Builder.

A root CA signs a leaf certificate fit for C2PA signing (not a CA, digital signature, the
e-mail protection EKU C2PA accepts); the leaf signs each manifest. Whether desk trusts the
root is up to the test: it writes the root into the reviewer's trust-anchor file or not.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from pathlib import Path

import c2pa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from desk.core.c2pa_reading import USER_ANCHORS

AI_GENERATED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


@dataclass(frozen=True)
class Chain:
    root_pem: str
    chain_pem: str  # leaf first, then the root
    key_pem: str


def _name(common: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])


def _usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca,
                         crl_sign=ca, encipher_only=False, decipher_only=False)


def make_chain(signer: str = "Field Camera Signer", org: str = "Example News Agency") -> Chain:
    now = datetime.datetime.now(datetime.UTC)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{org} Root CA", org)
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=2))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_usage(sign=False, ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()),
                           critical=False)
            .sign(root_key, hashes.SHA256()))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(_name(signer, org)).issuer_name(root_name)
            .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(sign=True, ca=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                root_key.public_key()), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()),
                           critical=False)
            .sign(root_key, hashes.SHA256()))

    def pem(cert: x509.Certificate) -> str:
        return cert.public_bytes(serialization.Encoding.PEM).decode()

    key = leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    return Chain(pem(root), pem(leaf) + pem(root), key)


def trust(chain: Chain, config_dir: Path) -> None:
    """Make desk trust the chain's root (the reviewer's anchor file in the config folder)."""
    (config_dir / USER_ANCHORS).write_text(chain.root_pem, encoding="ascii")


def manifest(generator: str = "Field Camera", version: str = "2.1",
             actions: list[dict[str, object]] | None = None) -> dict[str, object]:
    return {
        "claim_generator_info": [{"name": generator, "version": version}],
        "title": "still.jpg",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions or [
            {"action": "c2pa.created",
             "digitalSourceType":
                 "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"}]}}],
    }


def sign(picture: bytes, chain: Chain, definition: dict[str, object] | None = None,
         fmt: str = "jpeg", *, sidecar: bool = False) -> tuple[bytes, bytes]:
    """(signed picture, manifest bytes). With `sidecar`, the picture is returned as it was
    and the manifest is meant to travel beside it as a .c2pa file."""
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain.chain_pem.encode(),
                               chain.key_pem.encode(), None)
    signer = c2pa.Signer.from_info(info)
    context = c2pa.Context.from_dict({
        "verify": {"verify_after_sign": False, "remote_manifest_fetch": False},
        "builder": {"thumbnail": {"enabled": False}},
    })
    try:
        builder = c2pa.Builder(definition or manifest(), context)
        if sidecar:
            builder.set_no_embed()
        out = io.BytesIO()
        manifest_bytes = builder.sign(signer, MIME[fmt], io.BytesIO(picture), out)
    finally:
        signer.close()
        context.close()
    return (picture if sidecar else out.getvalue()), bytes(manifest_bytes)
