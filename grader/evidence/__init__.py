"""Evidence: what a submission's files hold, as facts (pipelines, commands, manifests, tests, documents...), knowing nothing of rubrics or points."""
