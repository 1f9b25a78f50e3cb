"""Where signing keys come from, and which ones may sign.

- ``sources``: how a key is described (PKCS#12, PEM key + certificate, PKCS#11 token);
- ``keys``: turning a source into a pyHanko signer, parsed once and cached;
- ``pkcs11``: signers whose key never leaves the token;
- ``algorithms``: the keys and digests accepted, and the name a client uses for them;
- ``cms``: faster CMS assembly mixed into the signers.

Public names are re-exported by ``signing``; import them from there.
"""
