"""What marketers set up: creators, campaigns, enrolments, links and codes, with input schemas."""
