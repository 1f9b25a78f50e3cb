"""What a signature looks like on the page: the leader's, the seal's and the attachment
stamps (``appearance``), drawn with the shipped Vietnamese-capable font in ``fonts/``.

Public names are re-exported by ``signing``; import them from there.
"""
