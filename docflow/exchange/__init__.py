"""Interconnection with other systems: edXML (QCVN 102:2016) packages in and out."""
