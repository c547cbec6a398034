# The course's grading image: the pinned environment, bubblewrap, the course itself.
# One image serves the parent (python -m autograder grade ...) and the Dask workers:
#
#   docker build -t dl-course .
#   docker run --rm -p 8786:8786 dl-course dask scheduler
#   docker run --rm --privileged dl-course dask worker tcp://SCHEDULER:8786 --nthreads 1
#
# A worker must run the same course release as the parent (it refuses other
# work with a clear error): build every image from the same commit.
# --privileged (or at least user namespaces for bubblewrap) lets the grading jail
# be built inside the container; without it the workers grade without the jail
# and say so in their log.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       bubblewrap util-linux make \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /course
COPY requirements.txt requirements-instructor.txt ./
# torch first, pinned (the first requirement), from PyTorch's CPU wheel index:
# PyPI's Linux wheel of the same version is the CUDA build, gigabytes larger.
# Then what graders need: the student kit's packages, psutil, psycopg, Dask.
RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu \
       "$(grep -m1 '^torch==' requirements.txt)" \
    && pip install --no-cache-dir -r requirements-instructor.txt

# .dockerignore keeps the local .venv, build/ and caches out.
COPY . .
ENV PYTHONPATH=/course PYTHONDONTWRITEBYTECODE=1
# nbgrader runs alembic from PATH; pip put it in /usr/local/bin.
CMD ["python", "-m", "autograder", "--help"]
