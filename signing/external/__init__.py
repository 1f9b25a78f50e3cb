"""Two-step signing for keys the server never holds (browser WebCrypto, a USB-token agent):
``prepare`` writes the PDF with room for the signature and says what the client signs,
``complete`` checks what came back (``verify``) and embeds it.

Public names are re-exported by ``signing``; import them from there.
"""
