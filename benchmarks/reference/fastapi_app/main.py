"""The FastAPI reference: /api/posts/ (20 a page, with a count), /api/posts/{id}/, /hello."""

import os
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import joinedload, selectinload

from benchmarks.reference.fastapi_app.models import Post
from benchmarks.reference.fastapi_app.schemas import Hello, PostOut, PostPage

PAGE_SIZE = 20

_url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/keel_bench")
engine = create_async_engine(
    _url.replace("postgres://", "postgresql+asyncpg://", 1), pool_size=20, max_overflow=0
)
sessions = async_sessionmaker(engine, expire_on_commit=False)

app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


async def _session():
    async with sessions() as db:
        yield db


Session = Annotated[AsyncSession, Depends(_session)]


def _published():
    return (
        select(Post)
        .where(Post.status == "published")
        .options(joinedload(Post.author), selectinload(Post.tags))
    )


def _page_url(request: Request, page: int) -> str:
    return str(request.url.include_query_params(page=page))


@app.get("/api/posts/", response_model=PostPage)
async def list_posts(request: Request, db: Session, page: int = 1):
    count = await db.scalar(
        select(func.count()).select_from(Post).where(Post.status == "published")
    )
    query = (
        _published()
        .order_by(Post.published_at.desc(), Post.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    posts = (await db.scalars(query)).unique().all()
    if page > 1 and not posts:
        raise HTTPException(status_code=404, detail="Invalid page.")
    return {
        "count": count,
        "next": _page_url(request, page + 1) if page * PAGE_SIZE < count else None,
        "previous": _page_url(request, page - 1) if page > 1 else None,
        "results": posts,
    }


@app.get("/api/posts/{post_id}/", response_model=PostOut)
async def get_post(post_id: int, db: Session):
    post = (await db.scalars(_published().where(Post.id == post_id))).unique().one_or_none()
    if post is None:
        raise HTTPException(status_code=404, detail="Not found.")
    return post


@app.get("/hello", response_model=Hello)
async def hello():
    return {"message": "Hello, world!"}
