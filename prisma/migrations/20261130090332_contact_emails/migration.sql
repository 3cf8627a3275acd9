-- CreateTable
CREATE TABLE "ContactEmail" (
    "email" TEXT NOT NULL,
    "entityId" TEXT NOT NULL,

    CONSTRAINT "ContactEmail_pkey" PRIMARY KEY ("email","entityId")
);

-- Backfill: the addresses named in submissions made before this table existed.
INSERT INTO "ContactEmail" ("email", "entityId")
SELECT DISTINCT lower(trim(e.value)), s."entityId"
FROM "Submission" s
CROSS JOIN LATERAL (VALUES (s.answers->>'adminEmail'), (s.answers->>'programAdminEmail'), (s.answers->>'platformAdminEmail')) AS e(value)
WHERE e.value LIKE '%@%'
ON CONFLICT DO NOTHING;
