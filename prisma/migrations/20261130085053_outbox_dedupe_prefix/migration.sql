-- CreateIndex
CREATE INDEX "OutboxMessage_dedupeKey_prefix_idx" ON "OutboxMessage"("dedupeKey" text_pattern_ops);
