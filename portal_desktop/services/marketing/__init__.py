"""Ad campaigns, their daily performance, email broadcasts and which campaign a lead came from."""
