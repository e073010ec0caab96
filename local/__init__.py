"""Local mode: moto server as the AWS endpoint, a gateway and pumps around the real handlers."""
