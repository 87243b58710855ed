"""hmsverify's verification worker: portrait rules, identity documents and the queue."""
