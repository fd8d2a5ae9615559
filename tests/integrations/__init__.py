"""Tests of cml.integrations: the OpenAI helper, providers, tools and the MCP server."""
