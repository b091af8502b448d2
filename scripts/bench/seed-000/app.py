"""
Seed 000's serving stack, rebuilt as the baseline of `npm run bench:toxicity -- --baseline`.

What seed 000 (../shared/seeds/000_*.txt) describes, and nothing more on the request path: FastAPI,
an OAuth2 password `/token` issuing an HS256 JWT, `/predict` behind a Bearer check, a scikit-learn
TF-IDF + LinearSVC model, a Prometheus counter per prediction, one uvicorn worker. Handlers are
`async def` (no thread-pool hop) and there is no HTTP middleware, so this is the quicker way to
build that stack: the baseline is not slowed to flatter vigil.

Not vigil's code and never deployed: Debian's python3-fastapi, python3-uvicorn, python3-sklearn,
python3-jwt, python3-multipart and python3-prometheus-client run it (docs/BENCHMARKS.md).
Usage: python3 app.py <train.csv> <port>   (trains on the Jigsaw `toxic` column, then listens)
"""
import csv
import math
import sys
import time

import jwt
import uvicorn
from fastapi import Depends, FastAPI, HTTPException, status
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm
from prometheus_client import CONTENT_TYPE_LATEST, Counter, generate_latest
from pydantic import BaseModel
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from starlette.responses import Response

SECRET = "seed-000-baseline-secret"
USERS = {"admin": "admin"}

csv.field_size_limit(1 << 24)


def train(path):
    texts, labels = [], []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            texts.append(row["comment_text"])
            labels.append(int(row["toxic"]))
    started = time.time()
    vectorizer = TfidfVectorizer(max_features=20000)
    model = LinearSVC().fit(vectorizer.fit_transform(texts), labels)
    print(f"trained on {len(texts)} comments in {time.time() - started:.1f} s", flush=True)
    return vectorizer, model


vectorizer, model = train(sys.argv[1])
app = FastAPI(title="seed 000 baseline")
oauth2 = OAuth2PasswordBearer(tokenUrl="token")
predictions = Counter("ml_predictions_total", "Predictions by class", ["prediction_class"])


class Comment(BaseModel):
    text: str


def current_user(token: str = Depends(oauth2)):
    try:
        return jwt.decode(token, SECRET, algorithms=["HS256"])["sub"]
    except jwt.PyJWTError:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid token")


@app.post("/token")
async def token(form: OAuth2PasswordRequestForm = Depends()):
    if USERS.get(form.username) != form.password:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Incorrect username or password")
    claims = {"sub": form.username, "exp": int(time.time()) + 3600}
    return {"access_token": jwt.encode(claims, SECRET, algorithm="HS256"), "token_type": "bearer"}


@app.post("/predict")
async def predict(comment: Comment, user: str = Depends(current_user)):
    margin = float(model.decision_function(vectorizer.transform([comment.text]))[0])
    is_toxic = margin > 0
    predictions.labels("toxic" if is_toxic else "non_toxic").inc()
    return {"text": comment.text, "is_toxic": is_toxic, "score": round(100 / (1 + math.exp(-margin)))}


@app.get("/health")
async def health():
    return {"status": "healthy"}


@app.get("/metrics")
async def metrics():
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), workers=1, log_level="warning", access_log=False)
