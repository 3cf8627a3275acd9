-- CreateTable
CREATE TABLE "ChannelMessage" (
    "channel" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "ref" JSONB NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "ChannelMessage_pkey" PRIMARY KEY ("channel","key")
);
