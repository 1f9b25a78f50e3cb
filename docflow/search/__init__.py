"""Search and work queues: a diacritic- and case-insensitive index of documents
(number, symbol, subject, sending agency and the PDF's text layer), searched through the
document read rule, and each person's work queues with their counts."""
