"""The Lambda runtime, shared by the function factory and the asset builder so they cannot disagree."""

from __future__ import annotations

from aws_cdk import aws_lambda as lambda_

PYTHON_VERSION = "3.13"
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
