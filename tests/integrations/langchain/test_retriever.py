"""CMLRetriever and AsyncCMLRetriever: py-cml's recall as LangChain documents."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_openai import ChatOpenAI

import cml
from cml.integrations.langchain import AsyncCMLRetriever, CMLRetriever

from ..fake_openai import FakeOpenAI


def _fill(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    memory.write("The user is vegetarian", session_id="monday", metadata={"source": "chat"})
    memory.write("The user lives in Porto", session_id="tuesday", context_tags=["home"])
    memory.write("Refunds take five days", namespace="support")


def test_documents_are_the_recalled_memories(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    _fill(memory)

    docs = CMLRetriever(client=memory, k=2).invoke("What does the user eat? vegetarian")

    assert len(docs) == 2
    first = docs[0]
    assert isinstance(first, Document)
    assert first.page_content == "The user is vegetarian"
    assert first.metadata["session_id"] == "monday"
    assert first.metadata["metadata"] == {"source": "chat"}
    assert 0.0 < first.metadata["relevance"] <= 1.0
    assert first.metadata["relevance"] >= docs[1].metadata["relevance"]
    assert first.id == first.metadata["id"]


def test_options_narrow_the_recall(memory: cml.EmbeddedCognitiveMemoryLayer) -> None:
    _fill(memory)

    in_support = CMLRetriever(client=memory, namespace="support").invoke("user refunds Porto")
    tuesday = CMLRetriever(client=memory, session_id="tuesday").invoke("vegetarian")

    assert [d.page_content for d in in_support] == ["Refunds take five days"]
    assert [d.page_content for d in tuesday] == ["The user lives in Porto"]
    assert CMLRetriever(client=memory).invoke("   ") == []
    with pytest.raises(ValueError, match="k"):
        CMLRetriever(client=memory, k=0)


async def test_the_async_retriever(
    async_memory: cml.AsyncEmbeddedCognitiveMemoryLayer,
) -> None:
    await async_memory.write("The user is vegetarian")
    retriever = AsyncCMLRetriever(client=async_memory, k=1)

    docs = await retriever.ainvoke("vegetarian")

    assert [d.page_content for d in docs] == ["The user is vegetarian"]
    with pytest.raises(NotImplementedError, match="ainvoke"):
        retriever.invoke("vegetarian")


async def test_the_sync_retriever_also_answers_ainvoke(
    memory: cml.EmbeddedCognitiveMemoryLayer,
) -> None:
    memory.write("The user is vegetarian")

    docs = await CMLRetriever(client=memory).ainvoke("vegetarian")

    assert [d.page_content for d in docs] == ["The user is vegetarian"]


def test_a_retrieval_chain_puts_the_memories_in_the_prompt(
    memory: cml.EmbeddedCognitiveMemoryLayer, fake_openai: FakeOpenAI
) -> None:
    _fill(memory)
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Known about the user:\n{context}"), ("human", "{question}")]
    )
    model = ChatOpenAI(
        model="fake-model", base_url=fake_openai.base_url, api_key="test", max_retries=0
    )
    retriever = CMLRetriever(client=memory, k=1)
    chain = (
        {
            "context": retriever | (lambda docs: "\n".join(d.page_content for d in docs)),
            "question": RunnablePassthrough(),
        }
        | prompt
        | model
    )

    answer = chain.invoke("Which city does the user live in? Porto")

    assert answer.content == "echo: Which city does the user live in? Porto"
    assert fake_openai.system_prompt() == "Known about the user:\nThe user lives in Porto"
