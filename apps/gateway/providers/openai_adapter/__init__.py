"""OpenAI, and any server that speaks its API (vLLM, Ollama, LM Studio, llama.cpp, a company
gateway), through the official ``openai`` package. This package is the only code that imports it:
:mod:`.clients` keeps the SDK's clients, :mod:`.errors` translates its exceptions, and
:mod:`.provider` is the provider the gateway builds (``OpenAIProvider``).

The client is built with ``max_retries=0``: the gateway is the one retry layer, so a retry
never multiplies. Every SDK exception is translated into the gateway's error taxonomy here, and
every message that leaves this module is scrubbed of the key.

A base URL a workspace set is reached only through :mod:`apps.core.netguard`'s transport: every
connection the SDK opens (redirects included) is checked after DNS resolution, so a workspace
cannot make the server call into its own network. Text from such a server's answers is never
shown to people: messages carry the HTTP status and our own words only.
"""
