"""Evidence bundles: building one needs the database (``docflow.evidence.bundle``);
checking one (``docflow.evidence.check``) needs nothing but the zip."""
