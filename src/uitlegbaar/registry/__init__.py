"""The register maintainers' side: read teams' entries, plan them against the register, publish, build a site."""
