-- Trigrams: support find an organization or program by any part of its name, by index.
-- pg_trgm ships with PostgreSQL and is a trusted extension (the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateIndex
CREATE INDEX "Organization_searchName_trgm_idx" ON "Organization" USING GIN ("searchName" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "Program_searchName_trgm_idx" ON "Program" USING GIN ("searchName" gin_trgm_ops);
