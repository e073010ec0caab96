"""Brandlink's AWS CDK app: one construct per capability, composed by ``infra.stack``."""
