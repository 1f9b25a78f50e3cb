"""Making PAdES signatures in a PDF with a key the server holds, and keeping them valid.

- ``levels``: what a signature should be (``SignRequest``) and how a PAdES baseline
  level (B-B, B-T, B-LT, B-LTA) maps onto pyHanko's settings;
- ``sign``: signing at a level; ``extend``: raising a signature's level later;
- ``fields``: the form fields placed before anyone signs; ``issuance``: number, date and
  the agency seal in one revision;
- ``archive``: archive timestamps and their renewal (B-LTA over the years);
- ``pdf_io``: paths, bytes or streams in and out, never a whole file in memory.

Public names are re-exported by ``signing``; import them from there.
"""
