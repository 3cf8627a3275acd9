-- AlterTable
ALTER TABLE "Person" ADD COLUMN     "remindersStoppedAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "SessionBooking" ADD COLUMN     "calendarSequence" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "calendarUid" TEXT;
