"""Notifications of events that concern a person (a draft to sign, a document to
issue, one arrived, assigned, refused, recalled, a failed delivery, a deadline near or
past), shown in the page (a bell and ``/notifications``) and sent by e-mail as each
person chooses.

Feature services call ``notify.notify`` in the transaction of the event; it keeps only
the people who may read the document (``accounts.permissions``' read rule) and never
stores a confidential document's subject. E-mails leave through a job
(``jobs.SendNotificationEmail``, ``mail``) to ``DOCFLOW_SMTP_URL``.
"""
