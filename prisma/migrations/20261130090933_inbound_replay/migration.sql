-- AlterTable
ALTER TABLE "InboundEvent" ADD COLUMN     "claimedAt" TIMESTAMPTZ(3),
ADD COLUMN     "payload" JSONB,
ADD COLUMN     "processedAt" TIMESTAMPTZ(3),
ADD COLUMN     "processedBy" TEXT;

-- CreateIndex
CREATE INDEX "InboundEvent_processedAt_receivedAt_idx" ON "InboundEvent"("processedAt", "receivedAt");
